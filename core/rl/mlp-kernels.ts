/**
 * The policy's MLPs on migflow's own WebAssembly kernels (core/rl/kernels/mlp.c): forward and backward passes of
 * the multi-environment PPO update and of the rollout's forward pass, in one linear memory shared by every thread
 * that works on the update. tfjs-wasm's XNNPACK computes the same float32 products (the same summation order,
 * bit for bit), but through tfjs each product costs a tensor allocation, a fresh weight packing (its operator cache
 * is keyed by tensor, and the weights change at every Adam step), explicit transposes for xᵀ·dy and dy·Wᵀ, and one
 * pass over memory per bias add, activation and derivative; here a layer is one call with those fused, the
 * weights are packed once per Adam step, and the whole update happens in place in shared memory.
 *
 * Memory: one shared WebAssembly.Memory per trainer (`KernelMemory`), carved into regions by a bump allocator:
 * the flat weights, gradients and Adam moments of sharded-update.ts, then one workspace per gradient shard (its
 * activations, packed weights and its own stack). Every thread instantiates the module on that memory.
 */
import { MLP_KERNELS_WASM_BASE64 } from './kernels/mlp-wasm.js';

export const WASM_PAGE_BYTES = 65536;
/** Low memory left alone (address 0 stays unused; the module has no data of its own). */
const RESERVED_BYTES = WASM_PAGE_BYTES;
/** Each instance's stack (the C code keeps a few edge tiles there). */
const STACK_BYTES = 64 * 1024;

interface KernelExports {
  readonly __stack_pointer: WebAssembly.Global;
  tanh_inplace(x: number, n: number): void;
  matmul(rp: number, kp: number, np: number, a: number, b: number, c: number): void;
  matmul_tn(rows: number, rp: number, kp: number, np: number, x: number, d: number, c: number): void;
  layer_forward(
    rp: number,
    kp: number,
    np: number,
    x: number,
    w: number,
    b: number,
    act: number,
    y: number,
  ): void;
  layer_backward_input(
    rp: number,
    np: number,
    kp: number,
    d: number,
    wt: number,
    h: number,
    dx: number,
  ): void;
  layer_backward_weights(
    rows: number,
    rp: number,
    kp: number,
    np: number,
    kr: number,
    nr: number,
    x: number,
    d: number,
    dw: number,
    db: number,
  ): void;
  to_panels(
    rows: number,
    cols: number,
    src: number,
    ldSrc: number,
    rp: number,
    cp: number,
    dst: number,
  ): void;
  from_panels(rows: number, cols: number, rp: number, src: number, dst: number, ldDst: number): void;
  pack_weights(kr: number, nr: number, kp: number, np: number, w: number, out: number): void;
  pack_weights_transposed(kr: number, nr: number, kp: number, np: number, w: number, out: number): void;
  pad_vector(nr: number, np: number, src: number, dst: number): void;
  sum_of_squares(g: number, n: number): number;
  sum_shards(out: number, src: number, stride: number, shards: number, n: number): number;
  adam_step(
    p: number,
    m: number,
    v: number,
    g: number,
    n: number,
    ...args: [
      coef: number,
      beta1: number,
      beta2: number,
      w1: number,
      w2: number,
      stepSize: number,
      bc2Sqrt: number,
      eps: number,
    ]
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernels (once per thread; 11 KB, compiled synchronously). */
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(MLP_KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
/** Rows of a panel-major matrix: the kernels' tiles take rows in fours, and a last pair. */
const paddedRows = (rows: number) => roundUp(Math.max(1, rows), 2);

/** Plans a kernel memory: regions handed out in order, 64-byte aligned. */
export class MemoryPlan {
  private top = RESERVED_BYTES;

  /** Byte offset of a new region of `bytes`. */
  take(bytes: number): number {
    const at = roundUp(this.top, 64);
    this.top = at + bytes;
    return at;
  }

  floats(n: number): number {
    return this.take(4 * n);
  }

  get bytes(): number {
    return roundUp(this.top, WASM_PAGE_BYTES);
  }
}

/** A shared memory of `bytes` (rounded up to whole pages) that kernel instances can be created on. */
export function createKernelMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** The kernels instantiated in this thread on `memory`, running on the stack region that ends at `stackTop`. */
export class Kernels {
  readonly x: KernelExports;
  readonly f32: Float32Array;

  constructor(
    readonly memory: WebAssembly.Memory,
    stackTop: number,
  ) {
    if (stackTop > memory.buffer.byteLength || stackTop < STACK_BYTES)
      throw new Error(
        `Kernels: stack top ${stackTop} is outside the memory (${memory.buffer.byteLength} bytes)`,
      );
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
    this.x = instance.exports as unknown as KernelExports;
    this.x.__stack_pointer.value = stackTop;
    this.f32 = new Float32Array(memory.buffer);
  }

  /** A float view of `n` floats at byte offset `at`. */
  view(at: number, n: number): Float32Array {
    return this.f32.subarray(at / 4, at / 4 + n);
  }
}

/** Layer sizes [in, out] of one MLP: hidden layers, then the head. */
export function mlpLayers(inSize: number, hidden: readonly number[], outSize: number): [number, number][] {
  const sizes = [inSize, ...hidden, outSize];
  return sizes.slice(1).map((o, i) => [sizes[i]!, o]);
}

/** Parameters of an MLP (kernels and biases). */
export function mlpParameterCount(layers: readonly [number, number][]): number {
  return layers.reduce((n, [i, o]) => n + i * o + o, 0);
}

interface LayerPlan {
  /** Real and padded input / output sizes. */
  readonly kr: number;
  readonly nr: number;
  readonly kp: number;
  readonly np: number;
  /** Float offset of its kernel and bias in the flat parameter vector of the MLP. */
  readonly paramOffset: number;
  /** Byte offsets: packed W, packed Wᵀ (not for the first layer), padded bias, output activations. */
  readonly w: number;
  readonly wt: number;
  readonly b: number;
  readonly y: number;
}

/** Where one MLP's buffers for at most `maxRows` rows live in a kernel memory. */
export interface MlpPlan {
  readonly layers: readonly LayerPlan[];
  readonly maxRows: number;
  /** Byte offsets: inputs row-major [maxRows][in] and panel-major, head output and its gradient (row-major). */
  readonly input: number;
  readonly inputPanels: number;
  readonly output: number;
  readonly dOutput: number;
  /** Two panel-major gradient buffers, used in turn. */
  readonly d: readonly [number, number];
}

/** Reserves in `plan` the workspace of an MLP with `layers` for batches of up to `maxRows` rows. */
export function planMlp(plan: MemoryPlan, layers: readonly [number, number][], maxRows: number): MlpPlan {
  const rp = paddedRows(maxRows);
  let paramOffset = 0;
  let widest = 8;
  const planned = layers.map(([kr, nr], l) => {
    const kp = roundUp(kr, 8);
    const np = roundUp(nr, 8);
    widest = Math.max(widest, kp, np);
    const p: LayerPlan = {
      kr,
      nr,
      kp,
      np,
      paramOffset,
      w: plan.floats(kp * np),
      wt: l === 0 ? -1 : plan.floats(kp * np),
      b: plan.floats(np),
      y: plan.floats(rp * np),
    };
    paramOffset += kr * nr + nr;
    return p;
  });
  const first = planned[0]!;
  const last = planned[planned.length - 1]!;
  return {
    layers: planned,
    maxRows,
    input: plan.floats(maxRows * first.kr),
    inputPanels: plan.floats(rp * first.kp),
    output: plan.floats(maxRows * last.nr),
    dOutput: plan.floats(maxRows * last.nr),
    d: [plan.floats(rp * widest), plan.floats(rp * widest)],
  };
}

/** Reserves a stack for one kernel instance; returns its top. */
export function planStack(plan: MemoryPlan): number {
  return plan.take(STACK_BYTES) + STACK_BYTES;
}

/**
 * One MLP (tanh hidden layers, linear head) on the kernels: load the weights from a flat vector, run the forward
 * pass on up to `maxRows` rows written to `input`, and the backward pass from the head's gradient in `dOutput`.
 */
export class MlpRunner {
  /** Row-major [maxRows][in]: the caller writes the batch here. */
  readonly input: Float32Array;
  /** Row-major [rows][out] after `forward`. */
  readonly output: Float32Array;
  /** Row-major [rows][out]: the caller writes the loss gradient here before `backward`. */
  readonly dOutput: Float32Array;
  readonly inSize: number;
  readonly outSize: number;
  readonly parameterCount: number;
  private rows = 0;

  constructor(
    readonly kernels: Kernels,
    readonly plan: MlpPlan,
  ) {
    const first = plan.layers[0]!;
    const last = plan.layers[plan.layers.length - 1]!;
    this.inSize = first.kr;
    this.outSize = last.nr;
    this.input = kernels.view(plan.input, plan.maxRows * first.kr);
    this.output = kernels.view(plan.output, plan.maxRows * last.nr);
    this.dOutput = kernels.view(plan.dOutput, plan.maxRows * last.nr);
    this.parameterCount = last.paramOffset + last.kr * last.nr + last.nr;
  }

  /** Packs the weights of the flat parameter vector at byte offset `params` (kernel, bias per layer, in order). */
  loadWeights(params: number): void {
    const x = this.kernels.x;
    for (const [l, p] of this.plan.layers.entries()) {
      const w = params + 4 * p.paramOffset;
      x.pack_weights(p.kr, p.nr, p.kp, p.np, w, p.w);
      if (l > 0) x.pack_weights_transposed(p.kr, p.nr, p.kp, p.np, w, p.wt);
      x.pad_vector(p.nr, p.np, w + 4 * p.kr * p.nr, p.b);
    }
  }

  /** The forward pass of the first `rows` rows of `input`; the head's values land in `output`. */
  forward(rows: number): void {
    if (rows < 1 || rows > this.plan.maxRows)
      throw new Error(`MlpRunner: ${rows} rows (this workspace holds 1 to ${this.plan.maxRows})`);
    this.rows = rows;
    const x = this.kernels.x;
    const layers = this.plan.layers;
    const rp = paddedRows(rows);
    const first = layers[0]!;
    x.to_panels(rows, first.kr, this.plan.input, first.kr, rp, first.kp, this.plan.inputPanels);
    let input = this.plan.inputPanels;
    for (const [l, p] of layers.entries()) {
      const head = l === layers.length - 1;
      x.layer_forward(rp, p.kp, p.np, input, p.w, p.b, head ? 0 : 1, p.y);
      input = p.y;
    }
    const last = layers[layers.length - 1]!;
    x.from_panels(rows, last.nr, rp, last.y, this.plan.output, last.nr);
  }

  /**
   * The backward pass of the last `forward`, from the gradient in `dOutput`: the weight gradients are written to
   * the flat vector at byte offset `grads` (the parameter layout of `loadWeights`).
   */
  backward(grads: number): void {
    const x = this.kernels.x;
    const layers = this.plan.layers;
    const rows = this.rows;
    const rp = paddedRows(rows);
    const last = layers[layers.length - 1]!;
    let d = this.plan.d[0];
    let spare = this.plan.d[1];
    x.to_panels(rows, last.nr, this.plan.dOutput, last.nr, rp, last.np, d);
    for (let l = layers.length - 1; l >= 0; l--) {
      const p = layers[l]!;
      const input = l === 0 ? this.plan.inputPanels : layers[l - 1]!.y;
      const g = grads + 4 * p.paramOffset;
      x.layer_backward_weights(rows, rp, p.kp, p.np, p.kr, p.nr, input, d, g, g + 4 * p.kr * p.nr);
      if (l > 0) {
        x.layer_backward_input(rp, p.np, p.kp, d, p.wt, input, spare);
        [d, spare] = [spare, d];
      }
    }
  }
}
