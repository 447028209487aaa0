#!/usr/bin/env node
/**
 * The `vat-dr` bin (package.json): the DR command line from the TypeScript sources, loaded through
 * the project's loader (offline/register.js: each file's JavaScript kept by content, so the bin
 * starts without compiling, and a changed file is compiled again), as `npm run dr --` loads it.
 */
"use strict";
require("../../offline/register.js");
require("../cli").main(process.argv.slice(2));
