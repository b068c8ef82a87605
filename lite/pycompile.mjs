// Compile the Python files of wheels (and the stdlib zip) to bytecode with Pyodide's own
// CPython, in Node.js, at build time: inside Pyodide nothing writes __pycache__, so every
// import would compile its source again at every kernel start (seconds on 2 cores).
//
//   node lite/pycompile.mjs PYODIDE_DIR FILE... [--keep-source FILE...]   (files rewritten in place)
//
// Files before --keep-source lose their sources: x.py becomes x.pyc, as in Pyodide's own
// packages. Files after it keep them, with an unchecked-hash pyc in __pycache__ (beside x.py
// in a zip), so tracebacks still show the lines (vmwidgets, whose code the students read).
import { readFileSync, writeFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, ...files] = process.argv.slice(2);
const split = files.includes("--keep-source") ? files.indexOf("--keep-source") : files.length;
const { loadPyodide } = await import(pathToFileURL(join(resolve(dir), "pyodide.mjs")).href);
// no column tables in the bytecode (as python -X no_debug_ranges): a third smaller
const pyodide = await loadPyodide({ indexURL: resolve(dir) + "/", env: { PYTHONNODEBUGRANGES: "1" } });

pyodide.runPython(`
import base64, hashlib, importlib.util, sys, sysconfig, warnings, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

SITE = sysconfig.get_paths()["purelib"]


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def compile_archive(src, dest, keep_source):
    is_wheel = src.endswith(".whl")
    prefix = SITE if is_wheel else next(p for p in sys.path if p.endswith(".zip"))
    files = {}
    with zipfile.ZipFile(src) as zin:
        for info in zin.infolist():
            name, data = info.filename, zin.read(info)
            if not name.endswith(".py") or name.split("/")[0].endswith(".data"):
                files[name] = data
                continue
            try:
                with warnings.catch_warnings():  # the packages' own tests have invalid escapes
                    warnings.simplefilter("ignore")
                    code = compile(data, f"{prefix}/{name}", "exec", dont_inherit=True, optimize=0)
            except SyntaxError:  # files a package ships but never imports
                files[name] = data
                continue
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            if keep_source and not is_wheel:  # zipimport reads x.pyc beside x.py
                files[name], files[name + "c"] = data, pyc
            elif keep_source:
                folder, _, stem = name.rpartition("/")
                cached = f"{folder}/__pycache__/" if folder else "__pycache__/"
                files[name] = data
                files[f"{cached}{stem[:-3]}.{sys.implementation.cache_tag}.pyc"] = pyc
            else:
                files[name + "c"] = pyc
    record = next((n for n in files if n.endswith(".dist-info/RECORD") and n.count("/") == 1), None)
    if record:
        lines = [_record_line(n, d) for n, d in files.items() if n != record] + [f"{record},,"]
        files[record] = ("\\n".join(lines) + "\\n").encode()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for name, data in files.items():
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
`);
const compileArchive = pyodide.globals.get("compile_archive");
files.forEach((file, i) => {
  if (i === split) return;
  const [src, dest] = ["/tmp/in", "/tmp/out"].map((p) => p + extname(file));
  pyodide.FS.writeFile(src, readFileSync(file));
  compileArchive(src, dest, i > split);
  writeFileSync(file, pyodide.FS.readFile(dest));
});
const version = pyodide.runPython("import sys; sys.version.split()[0]");
console.log(`compiled ${files.length - (split < files.length)} file(s) for Python ${version}`);
