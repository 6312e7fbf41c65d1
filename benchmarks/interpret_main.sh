#!/bin/sh
# Build InterpretML's main branch (a source checkout given as $1) for the objectives that its
# newest release, interpret-core 0.7.8, lacks (quantile, survival_cox), and print the PYTHONPATH
# that makes `import interpret` load it instead of the installed release:
#
#     export PYTHONPATH=$(sh benchmarks/interpret_main.sh /path/to/interpret)
#     python benchmarks/objectives.py --out objectives.json
#
# Needs g++ (its build.sh compiles libebm, about two minutes on two cores). The installed
# interpret-core's visualization bundle is reused, since building it needs npm.
set -eu
source_dir=$(cd "$1" && pwd)
(cd "$source_dir" && sh build.sh -release_64 > build.log 2>&1) || {
    echo "libebm build failed: see $source_dir/build.log" >&2; exit 1; }
package="$source_dir/python/interpret-core"
mkdir -p "$package/interpret/root/bld/lib"
cp "$source_dir/bld/lib/libebm_linux_x64.so" "$package/interpret/root/bld/lib/"
if bundle=$(python -c "import interpret, pathlib; print(pathlib.Path(interpret.__file__).parent / 'root/bld/lib/interpret-inline.js')" 2>/dev/null); then
    cp "$bundle" "$package/interpret/root/bld/lib/"
else
    echo "no installed interpret-core: its visualization bundle is not copied" >&2
fi
echo "$package"
