{
  # One shared object, two roles: a Node-API addon (require) and a SQLite loadable extension
  # (db.loadExtension) for better-sqlite3's own SQLite (docs/vfs.md).
  # Sources are every .c file under src/native; CPU-specific files enable their instruction sets with
  # PS_TARGET_PUSH (src/native/include/ps_target.h: GCC's target pragma or clang's attribute push) and are only
  # called after a runtime CPU check; the x86 files compile to nothing on ARM64 and the ARM64 files on x86.
  # Supported: Linux (x64, arm64; tested) and macOS (x64, arm64; written for, not tested), with GCC or clang.
  # Anything else stops here with a message, before any compiler runs.
  "variables": {
    "pageseal_platform": "<!(node -e \"const [os, arch] = process.argv.slice(1); if (!['linux', 'mac'].includes(os) || !['x64', 'arm64'].includes(arch)) { console.error('pageseal: ' + os + '/' + arch + ' is not supported: the native addon builds on Linux and macOS, x64 and arm64 (see the README, Platforms)'); process.exit(1); } console.log(os + '-' + arch);\" <(OS) <(target_arch))"
  },
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
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='linux'", {
          "cflags": ["-std=gnu11", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
          "cflags!": ["-O2"],
          "ldflags": ["-Wl,-z,noexecstack"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_C_LANGUAGE_STANDARD": "gnu11",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "10.15",
            "WARNING_CFLAGS": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
          }
        }]
      ]
    }
  ]
}
