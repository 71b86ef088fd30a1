import { createRequire as __schemabotCreateRequire } from 'node:module'; import { fileURLToPath as __schemabotFileURLToPath } from 'node:url'; const require = __schemabotCreateRequire(import.meta.url); const __filename = __schemabotFileURLToPath(import.meta.url); const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));
import {
  require_build
} from "./chunk-6AIKJEUQ.js";
import "./chunk-ITQ4VXOD.js";
import "./chunk-B4AAWQME.js";
import "./chunk-CHXII7AT.js";
export default require_build();
