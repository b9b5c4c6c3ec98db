/**
 * Disjoint LinUCB (Li, Chu, Langford & Schapire, WWW 2010, algorithm 1), the contextual bandit AGFT tunes GPU
 * frequency with: every arm a keeps a ridge regression of reward on context, A_a = λI + Σ x xᵀ and b_a = Σ r x,
 * and the arm chosen for context x maximises the upper confidence bound
 *
 *   p_a = θ_aᵀx + α·√(xᵀ A_a⁻¹ x),   θ_a = A_a⁻¹ b_a.
 *
 * A_a⁻¹ is kept next to A_a and updated by Sherman–Morrison (O(d²) per update instead of a fresh O(d³) inverse);
 * θ_aᵀx is read as b_aᵀ(A_a⁻¹x), which needs one matrix–vector product per arm. An arm that was never updated
 * has A = λI, b = 0 and is stored as nothing. No library here does LinUCB with masks on plain arrays (the npm
 * bandit packages are context-free or wrap a whole service), and the algebra is a dozen lines.
 */
import { MigflowError } from '../../errors.js';

export interface LinUcbSettings {
  /** Exploration weight α ≥ 0: how far above its estimate an arm's bound sits per unit of uncertainty. */
  readonly alpha: number;
  /** Ridge regularisation λ > 0: A starts as λI (a prior of λ pseudo-observations at θ = 0). */
  readonly regularization: number;
}

interface Arm {
  /** d×d, row-major. */
  readonly a: Float64Array;
  readonly aInv: Float64Array;
  readonly b: Float64Array;
  pulls: number;
}

export class LinUcbModel {
  private readonly arms: (Arm | undefined)[];
  private readonly v: Float64Array;

  constructor(
    readonly dim: number,
    readonly armCount: number,
    readonly settings: LinUcbSettings,
  ) {
    if (!(settings.regularization > 0) || !(settings.alpha >= 0)) {
      throw new MigflowError(
        `LinUCB needs alpha ≥ 0 and regularization > 0, got alpha ${settings.alpha}, regularization ${settings.regularization} — fix: set linucb.alpha and linucb.regularization in the bench config`,
      );
    }
    this.arms = new Array(armCount).fill(undefined);
    this.v = new Float64Array(dim);
  }

  /** Times the arm was updated. */
  pulls(arm: number): number {
    return this.arms[arm]?.pulls ?? 0;
  }

  /** A_a (a copy, row-major); λI for an arm never updated. */
  matrixA(arm: number): Float64Array {
    return this.arms[arm]?.a.slice() ?? this.scaledIdentity(this.settings.regularization);
  }

  /** A_a⁻¹ (a copy, row-major). */
  matrixAInverse(arm: number): Float64Array {
    return this.arms[arm]?.aInv.slice() ?? this.scaledIdentity(1 / this.settings.regularization);
  }

  /** b_a (a copy). */
  vectorB(arm: number): Float64Array {
    return this.arms[arm]?.b.slice() ?? new Float64Array(this.dim);
  }

  /** The arm's estimate θᵀx and its confidence width √(xᵀA⁻¹x) (before α). */
  estimate(arm: number, x: ArrayLike<number>): { mean: number; width: number } {
    this.checkContext(x);
    const d = this.dim;
    const state = this.arms[arm];
    if (!state) {
      let xx = 0;
      for (let i = 0; i < d; i++) xx += x[i]! * x[i]!;
      return { mean: 0, width: Math.sqrt(xx / this.settings.regularization) };
    }
    const v = this.v;
    multiply(state.aInv, x, v, d);
    let mean = 0;
    let xv = 0;
    for (let i = 0; i < d; i++) {
      mean += state.b[i]! * v[i]!;
      xv += x[i]! * v[i]!;
    }
    // Rounding can leave a tiny negative where the exact value is ~0.
    return { mean, width: Math.sqrt(Math.max(0, xv)) };
  }

  /** p_a = θ_aᵀx + α·√(xᵀA_a⁻¹x). */
  score(arm: number, x: ArrayLike<number>): number {
    const { mean, width } = this.estimate(arm, x);
    return mean + this.settings.alpha * width;
  }

  /** A ← A + x xᵀ, b ← b + r x, and A⁻¹ by Sherman–Morrison. */
  update(arm: number, x: ArrayLike<number>, reward: number): void {
    this.checkContext(x);
    if (!Number.isFinite(reward)) {
      throw new MigflowError(`LinUCB got a non-finite reward ${reward} for arm ${arm}`);
    }
    const d = this.dim;
    const state = this.arms[arm] ?? this.newArm(arm);
    const v = this.v;
    multiply(state.aInv, x, v, d);
    let denom = 1;
    for (let i = 0; i < d; i++) denom += x[i]! * v[i]!;
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      const vi = v[i]! / denom;
      const row = i * d;
      state.b[i] = state.b[i]! + reward * xi;
      for (let j = 0; j < d; j++) {
        state.a[row + j] = state.a[row + j]! + xi * x[j]!;
        state.aInv[row + j] = state.aInv[row + j]! - vi * v[j]!;
      }
    }
    state.pulls++;
  }

  private newArm(arm: number): Arm {
    if (!Number.isInteger(arm) || arm < 0 || arm >= this.armCount) {
      throw new MigflowError(`LinUCB has arms 0..${this.armCount - 1}, got ${arm}`);
    }
    const s: Arm = {
      a: this.scaledIdentity(this.settings.regularization),
      aInv: this.scaledIdentity(1 / this.settings.regularization),
      b: new Float64Array(this.dim),
      pulls: 0,
    };
    this.arms[arm] = s;
    return s;
  }

  private scaledIdentity(k: number): Float64Array {
    const m = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < this.dim; i++) m[i * this.dim + i] = k;
    return m;
  }

  private checkContext(x: ArrayLike<number>): void {
    if (x.length !== this.dim) {
      throw new MigflowError(`LinUCB context has ${x.length} features, the model ${this.dim}`);
    }
  }
}

/** out = M x for a d×d row-major M. */
function multiply(m: Float64Array, x: ArrayLike<number>, out: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += m[row + j]! * x[j]!;
    out[i] = s;
  }
}
