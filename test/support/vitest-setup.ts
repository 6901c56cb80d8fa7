// Runs before every test file: the same known-warning filter the CLI uses.
import { silenceKnownWarnings } from '../../src/cli/known-warnings.ts';

silenceKnownWarnings();
