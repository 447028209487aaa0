#!/usr/bin/env node
/**
 * The `vat-dr` bin (package.json): the DR command line from the TypeScript sources, compiled in
 * memory by ts-node (installed by `npm ci`), so the bin and `npm run dr --` run the same code.
 */
"use strict";
const path = require("path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("../cli").main(process.argv.slice(2));
