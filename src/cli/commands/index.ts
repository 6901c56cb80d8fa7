// Every CLI command, in the order --help lists them.
import { type RegisteredCommand, registerCommand } from '../command.ts';
import { doctorCommand } from './doctor-command.ts';
import { faultsCommand } from './faults-command.ts';
import { generateCommand } from './generate-command.ts';
import { inspectCommand } from './inspect-command.ts';
import { setupCommand } from './setup-command.ts';
import { stackCommand } from './stack-command.ts';

export const commands: readonly RegisteredCommand[] = [
  registerCommand(setupCommand),
  registerCommand(doctorCommand),
  registerCommand(stackCommand),
  registerCommand(faultsCommand),
  registerCommand(generateCommand),
  registerCommand(inspectCommand),
];
