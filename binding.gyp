{
  # One shared object, two roles: a Node-API addon (require) and a SQLite loadable extension
  # (db.loadExtension) for better-sqlite3's own SQLite. See docs/vfs.md.
  # Sources are every .c file under src/native; CPU-specific files enable their instruction sets with
  # `#pragma GCC target(...)` and are only called after a runtime CPU check.
  "targets": [
    {
      "target_name": "pageseal",
      "sources": [
        "<!@(node -e \"const fs=require('fs'),p=require('path');const w=d=>fs.readdirSync(d,{withFileTypes:true}).flatMap(e=>e.isDirectory()?w(p.join(d,e.name)):e.name.endsWith('.c')?[p.join(d,e.name)]:[]);console.log(w('src/native').sort().join(' '))\")"
      ],
      "include_dirs": [
        "src/native/include",
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')\")"
      ],
      "cflags": ["-std=gnu11", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "ldflags": ["-Wl,-z,noexecstack"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
