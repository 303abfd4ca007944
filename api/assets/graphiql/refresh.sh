#!/usr/bin/env bash
# Refreshes the GraphiQL assets vendored here from the npm registry, at the
# versions pinned below, and rewrites README.md (versions, tarball integrity,
# sizes and SHA-256 of each file). The server embeds these files
# (`api/src/routes/graphiql/assets.rs`), so the GraphiQL page needs nothing
# from the internet. To upgrade: change a version, run `bash refresh.sh`,
# run the GraphiQL tests (tests/tests/api/graphiql.rs, the browser one
# included: see .ci/run), commit.
#
# Needs Node.js and npm. `npm pack` checks each tarball against the
# registry's integrity hash.
set -euo pipefail
cd "$(dirname "$0")"

# GraphiQL 4's npm package ships a UMD bundle (graphiql.min.js, which
# includes graphql and the graphql-ws client) that expects React and ReactDOM
# as globals. React 19 ships no UMD builds, so React stays on 18.
GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION: unpacks NAME@VERSION into $work/NAME and records its
# integrity in $work/NAME.integrity.
fetch() {
    local name=$1 version=$2
    (cd "$work" && npm pack --json --silent "$name@$version" > "$name.json")
    node -e '
        const [pack] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        if (pack.version !== process.argv[2]) throw new Error(`got ${pack.id}`);
        console.log(pack.filename);
        console.error(pack.integrity);
    ' "$work/$name.json" "$version" > "$work/$name.filename" 2> "$work/$name.integrity"
    mkdir "$work/$name"
    tar -xzf "$work/$(cat "$work/$name.filename")" -C "$work/$name" --strip-components=1
}

fetch graphiql "$GRAPHIQL_VERSION"
fetch react "$REACT_VERSION"
fetch react-dom "$REACT_VERSION"

# GraphiQL's peer dependencies must accept the React we ship (checked with
# the semver package that npm itself bundles).
semver="$(npm root -g)/npm/node_modules/semver"
node -e '
    const semver = require(process.argv[1]);
    const peers = require(process.argv[2] + "/package.json").peerDependencies;
    for (const name of ["react", "react-dom"]) {
        if (!semver.satisfies(process.argv[3], peers[name])) {
            throw new Error(`graphiql wants ${name} ${peers[name]}, not ${process.argv[3]}`);
        }
    }
' "$semver" "$work/graphiql" "$REACT_VERSION"

# Each vendored file: its name here, then where it is in its package.
install -m 644 "$work/graphiql/graphiql.min.js" graphiql.min.js
install -m 644 "$work/graphiql/graphiql.min.css" graphiql.min.css
install -m 644 "$work/graphiql/LICENSE" LICENSE.graphiql
install -m 644 "$work/react/umd/react.production.min.js" react.production.min.js
install -m 644 "$work/react/LICENSE" LICENSE.react
install -m 644 "$work/react-dom/umd/react-dom.production.min.js" react-dom.production.min.js
install -m 644 "$work/react-dom/LICENSE" LICENSE.react-dom

files=(graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js
       LICENSE.graphiql LICENSE.react LICENSE.react-dom)
{
    echo "# Vendored GraphiQL assets"
    echo
    echo "Written by \`refresh.sh\`; do not edit by hand. The server embeds these"
    echo "files and serves them under \`/graphiql/\` (see"
    echo "\`api/src/routes/graphiql/\`), so GraphiQL works with no internet access."
    echo "Each file is copied unchanged from its npm package."
    echo
    echo "| package | version | tarball integrity |"
    echo "|---|---|---|"
    for name in graphiql react react-dom; do
        version=$(node -p "require('$work/$name/package.json').version")
        echo "| $name | $version | \`$(cat "$work/$name.integrity")\` |"
    done
    echo
    echo "GraphiQL $GRAPHIQL_VERSION's peer dependencies: react $(node -p "require('$work/graphiql/package.json').peerDependencies.react"), react-dom $(node -p "require('$work/graphiql/package.json').peerDependencies['react-dom']")."
    echo
    echo "| file | from | bytes | SHA-256 |"
    echo "|---|---|---|---|"
    for file in "${files[@]}"; do
        case $file in
            graphiql.*|LICENSE.graphiql) from="graphiql@$GRAPHIQL_VERSION" ;;
            react-dom.*|LICENSE.react-dom) from="react-dom@$REACT_VERSION" ;;
            *) from="react@$REACT_VERSION" ;;
        esac
        echo "| $file | $from | $(wc -c < "$file") | \`$(sha256sum "$file" | cut -d' ' -f1)\` |"
    done
} > README.md

echo "vendored graphiql@$GRAPHIQL_VERSION, react@$REACT_VERSION and react-dom@$REACT_VERSION; see README.md"
