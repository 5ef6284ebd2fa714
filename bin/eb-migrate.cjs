#!/usr/bin/env node
// The package's bin: the development entry (sandbox, demo) plus every instance command.
"use strict";
require("../dist/eb-migrate-dev.cjs");
