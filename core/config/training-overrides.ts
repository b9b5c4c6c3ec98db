/**
 * Dotted-path overrides of the training YAML (`{'training.PPO.n_steps': 64}`), as grid trials and workflow inputs
 * give them. Applied to the parsed YAML before schema validation, so an override is checked like a hand edit.
 */
import { ConfigError } from '../errors.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Returns a deep copy of `raw` with every override set. Each path must name a field the YAML already has
 * (a typo would otherwise be silently ignored by the training run).
 */
export function applyTrainingOverrides(
  file: string,
  raw: Record<string, unknown>,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const [dotted, value] of Object.entries(overrides)) {
    const path = dotted.split('.');
    let cur: unknown = out;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      if (!isPlainObject(cur) || !isPlainObject(cur[key])) {
        throw new ConfigError(
          file,
          dotted,
          `override path "${dotted}": "${path.slice(0, i + 1).join('.')}" is not a section of the training config`,
          `use a dotted path from the YAML root, e.g. training.PPO.n_steps`,
        );
      }
      cur = cur[key];
    }
    const leaf = path.at(-1)!;
    if (!isPlainObject(cur) || !(leaf in cur)) {
      const known = isPlainObject(cur) ? Object.keys(cur).join(', ') : '(none)';
      throw new ConfigError(
        file,
        dotted,
        `override path "${dotted}": "${leaf}" is not a field there`,
        `override only fields the training config has; there they are: ${known}`,
      );
    }
    cur[leaf] = structuredClone(value);
  }
  return out;
}
