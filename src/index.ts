import * as core from '@actions/core';
import { onSecret, redactStandardStreams, registerEnvironment } from './shared/secrets.js';
import { run } from './main.js';

// Every secret the process learns is masked by the runner too (`::add-mask::`), and everything the step
// prints (logs, `::error::` and other workflow commands) passes through the secret registry first.
onSecret((secret) => core.setSecret(secret));
registerEnvironment(process.env);
redactStandardStreams();
void run();
