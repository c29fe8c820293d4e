#!/usr/bin/env node
// The installed command. A file of its own, committed, so that `pnpm install` can link it before
// the build has produced dist/main.js (the compiled entry point it runs).
import '../dist/main.js';
