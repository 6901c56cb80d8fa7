// Every CLI command, in the order --help lists them.
import { type RegisteredCommand, registerCommand } from '../command.ts';
import { checkCommand } from './check-command.ts';
import { doctorCommand } from './doctor-command.ts';
import { faultsCommand } from './faults-command.ts';
import { generateCommand } from './generate-command.ts';
import { inspectCommand } from './inspect-command.ts';
import { k6Command } from './k6-command.ts';
import { recordCommand } from './record-command.ts';
import { reportCommand } from './report-command.ts';
import { runCommand } from './run-command.ts';
import { selftestCommand } from './selftest-command.ts';
import { setupCommand } from './setup-command.ts';
import { stackCommand } from './stack-command.ts';
import { targetCommand } from './target-command.ts';

export const commands: readonly RegisteredCommand[] = [
  registerCommand(setupCommand),
  registerCommand(doctorCommand),
  registerCommand(stackCommand),
  registerCommand(runCommand),
  registerCommand(targetCommand),
  registerCommand(checkCommand),
  registerCommand(reportCommand),
  registerCommand(selftestCommand),
  registerCommand(faultsCommand),
  registerCommand(generateCommand),
  registerCommand(recordCommand),
  registerCommand(inspectCommand),
  registerCommand(k6Command),
];
