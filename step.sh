set -e
set -o pipefail
export ACTIONS_ID_TOKEN_REQUEST_URL="http://127.0.0.1:/t?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN=x
S=/tmp/review-s18/.ci/github-oidc-token
F=/tmp/oidc-sim/oci/github-oidc.jwt
"$S" https://cloud.oracle.com "$F"
"$S" https://cloud.oracle.com "$F" 240 &
minter=$!
trap 'kill "$minter"' EXIT
sleep 10   # stands for: pulumi preview ... | tee, succeeding
echo "preview succeeded"
