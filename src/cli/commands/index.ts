// Every CLI command, in the order --help lists them.
import type { PeakdrillCommand } from '../command.ts';

export const commands: readonly PeakdrillCommand<any>[] = [];
