#!/usr/bin/env node
// Committed launcher so npm can link the binary before the first build; the code is the bundle in dist/.
import "../dist/kvgw.js";
