import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toFailure } from '../../../activities/failures.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../../../contracts/index.js';
import * as errors from '../../../core/errors.js';
import { CommandError, ConfigError, DatasetError, MigflowError } from '../../../core/errors.js';

describe('core errors at the activity boundary', () => {
  it('turns a user-fixable error into a non-retryable failure typed by its name, with its context as details', () => {
    const f = toFailure(
      new ConfigError(
        'configs/grid_search.yaml',
        'grid.lr (line 4)',
        'expected a list, found 0.1',
        'write lr: [0.1]',
      ),
    );
    expect(f).toBeInstanceOf(ApplicationFailure);
    const af = f as ApplicationFailure;
    expect(af.type).toBe('ConfigError');
    expect(af.nonRetryable).toBe(true);
    expect(af.message).toBe(
      'configs/grid_search.yaml: grid.lr (line 4): expected a list, found 0.1 — fix: write lr: [0.1]',
    );
    expect(af.details).toEqual([
      {
        file: 'configs/grid_search.yaml',
        field: 'grid.lr (line 4)',
        problem: 'expected a list, found 0.1',
        fix: 'write lr: [0.1]',
      },
    ]);
    const d = toFailure(
      new DatasetError('rag.parquet', undefined, 'not a Parquet file', 'convert it'),
    ) as ApplicationFailure;
    expect(d.type).toBe('DatasetError');
    expect(d.nonRetryable).toBe(true);
  });

  it('keeps transient faults retryable and passes cancellation through untouched', () => {
    const c = toFailure(new CommandError(['nvidia-smi', '-L'], 9, 'busy')) as ApplicationFailure;
    expect(c.type).toBe('CommandError');
    expect(c.nonRetryable).toBe(false);
    const cancelled = new CancelledFailure('CANCELLED');
    expect(toFailure(cancelled)).toBe(cancelled);
    const plain = new Error('ECONNREFUSED');
    expect(toFailure(plain)).toBe(plain);
  });

  it('lists every user-fixable error type in the contracts, where workflows read their non-retryable types', () => {
    const fixable = Object.values(errors)
      .filter((E) => E.prototype instanceof MigflowError)
      .filter(
        (E) =>
          (
            Reflect.construct(
              E,
              E === errors.CommandError ? [['x'], 1, ''] : ['f', 'x', 'y', 'z'],
            ) as MigflowError
          ).userFixable,
      )
      .map((E) => E.name)
      .sort();
    expect(fixable.length).toBeGreaterThan(3);
    expect([...NON_RETRYABLE_ERROR_TYPES].sort()).toEqual(fixable);
  });
});
