// Stryker ignorers (its plugin interface for "do not mutate under this node")
// that keep the sample on business behaviour: no mutants in logging calls, in
// error messages and details, or in the switches of the store's seeded
// defects (flipping one of those re-seeds a known defect instead of writing a
// new one). Each returns the reason Stryker records on the ignored mutant.
import type { InstrumenterOptions } from '@stryker-mutator/instrumenter';

/** Stryker's Ignorer plugin interface, as its instrumenter takes it. */
type Ignorer = InstrumenterOptions['ignorers'][number];

/** The few Babel node fields these ignorers read; the rest of the node is opaque. */
interface BabelNode {
  readonly type: string;
  readonly name?: string;
  readonly object?: BabelNode;
  readonly property?: BabelNode;
  readonly callee?: BabelNode;
  readonly test?: BabelNode;
  readonly expression?: BabelNode;
}

interface BabelPath {
  readonly node: BabelNode;
  readonly parentPath: BabelPath | null;
  readonly listKey?: string | undefined;
  readonly key: string | number | null;
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'log']);
const LOGGERS = new Set(['log', 'logger', 'console']);
/** StoreApiError(status, code, message, details): status and code are behaviour, the rest is text. */
const STORE_ERROR_BEHAVIOUR_ARGS = 2;

function nameOf(node: BabelNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression') return nameOf(node.property);
  return undefined;
}

function isLoggingCall(node: BabelNode | undefined): boolean {
  if (node?.type !== 'CallExpression' || node.callee?.type !== 'MemberExpression') return false;
  const level = nameOf(node.callee.property);
  const target = nameOf(node.callee.object);
  return level !== undefined && LOG_LEVELS.has(level) && target !== undefined && LOGGERS.has(target);
}

/**
 * `ctx.log.warn(...)`, `this.options.ctx.log.error(...)`, `console.log(...)`,
 * and the statement that holds one (Stryker's statement removal targets it).
 */
export const loggingIgnorer: Ignorer = {
  shouldIgnore(p) {
    const { node } = p as BabelPath;
    const call = node.type === 'ExpressionStatement' ? node.expression : node;
    return isLoggingCall(call) ? 'logging' : undefined;
  },
};

/** The message (and details) of a thrown error: text for people, not behaviour. */
export const errorMessageIgnorer: Ignorer = {
  shouldIgnore(p) {
    const path = p as BabelPath;
    const parent = path.parentPath?.node;
    if (parent?.type !== 'NewExpression' || path.listKey !== 'arguments') return undefined;
    const callee = nameOf(parent.callee);
    if (callee === undefined || !callee.endsWith('Error')) return undefined;
    if (callee === 'StoreApiError' && typeof path.key === 'number' && path.key < STORE_ERROR_BEHAVIOUR_ARGS)
      return undefined;
    return 'error message';
  },
};

function mentionsDefects(node: BabelNode | undefined): boolean {
  for (let n = node; n?.type === 'MemberExpression'; n = n.object) {
    if (nameOf(n.object) === 'defects' || nameOf(n) === 'defects') return true;
  }
  return false;
}

/** `ctx.defects.x ? a : b` and `if (defects.x) {…}`: the seeded defects' switches. */
export const defectSwitchIgnorer: Ignorer = {
  shouldIgnore(p) {
    const { node } = p as BabelPath;
    if (node.type !== 'ConditionalExpression' && node.type !== 'IfStatement') return undefined;
    return mentionsDefects(node.test) ? 'seeded-defect switch' : undefined;
  },
};

export const SAMPLE_IGNORERS: readonly Ignorer[] = [loggingIgnorer, errorMessageIgnorer, defectSwitchIgnorer];
