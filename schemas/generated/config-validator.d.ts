// Generated from schemas/config.schema.json by `npm run gen:types`. Do not edit.
import type { LeadpipeConfig } from './config.ts';
import type { PrecompiledValidator } from './validators.js';

export declare const validateConfig: PrecompiledValidator<LeadpipeConfig>;
