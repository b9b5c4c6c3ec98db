/**
 * The policy's MLPs on migflow's own WebAssembly kernels (core/rl/kernels/mlp.c): forward and backward passes of
 * the multi-environment PPO update and of the rollout's forward pass, in one linear memory shared by every thread
 * that works on the update. tfjs-wasm's XNNPACK computes the same float32 products (the same summation order,
 * bit for bit), but through tfjs each product costs a tensor allocation, a fresh weight packing (its operator cache
 * is keyed by tensor, and the weights change at every Adam step), explicit transposes for xᵀ·dy and dy·Wᵀ, and one
 * pass over memory per bias add, activation and derivative; here a layer is one call with those fused, the
 * parameters stay in the kernels' packed order for the whole update, and it all happens in place in shared memory.
 *
 * Memory: a shared WebAssembly.Memory (`createKernelMemory`) carved into regions by a bump allocator (`MemoryPlan`):
 * for the update, the weights, gradients and Adam moments of sharded-update.ts, then one workspace per gradient
 * shard (its samples, activations, Wᵀ and its own stack); every thread instantiates the module on that memory. The
 * collection's forward pass (rollout-forward.ts) has a small memory of its own.
 */
import { MLP_KERNELS_WASM_BASE64 } from './kernels/mlp-wasm.js';

/** The scalar arguments of the `adam_step` kernel, in order (flat-adam.ts derives them as adam.ts does). */
export type AdamKernelScalars = [
  coef: number,
  beta1: number,
  beta2: number,
  w1: number,
  w2: number,
  stepSize: number,
  bc2Sqrt: number,
  eps: number,
];

const WASM_PAGE_BYTES = 65536;
/** Low memory left alone (address 0 stays unused; the module has no data of its own). */
const RESERVED_BYTES = WASM_PAGE_BYTES;
/** Each instance's stack (for the few locals the C code keeps in memory). */
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
    yq: number,
    ym: number,
  ): void;
  layer_backward_input(
    rp: number,
    np: number,
    kp: number,
    d: number,
    wt: number,
    h: number,
    dxq: number,
    dxm: number,
  ): void;
  layer_backward_weights(
    rows: number,
    rp: number,
    kp: number,
    np: number,
    x: number,
    d: number,
    dw: number,
  ): number;
  to_layouts(
    rows: number,
    cols: number,
    src: number,
    ldSrc: number,
    rp: number,
    cp: number,
    q: number,
    m: number,
  ): void;
  from_quads(rows: number, cols: number, rp: number, src: number, dst: number, ldDst: number): void;
  pack_layer(kr: number, nr: number, kp: number, np: number, w: number, out: number): void;
  unpack_layer(kr: number, nr: number, kp: number, np: number, packed: number, w: number): void;
  transpose_packed(kp: number, np: number, w: number, out: number): void;
  sum_of_squares(g: number, n: number): number;
  policy_loss(
    n: number,
    a: number,
    logits: number,
    masks: number,
    actions: number,
    oldLogp: number,
    adv: number,
    clip: number,
    entCoef: number,
    invTotal: number,
    dlogits: number,
    stats: number,
  ): void;
  sum_shards(out: number, src: number, stride: number, shards: number, n: number): number;
  adam_step(p: number, m: number, v: number, g: number, n: number, ...args: AdamKernelScalars): void;
  adam_step_transposed(
    p: number,
    m: number,
    v: number,
    g: number,
    kp: number,
    np: number,
    wt: number,
    ...args: AdamKernelScalars
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernels (once per thread; ~23 KB, compiled synchronously). */
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(MLP_KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
/** Rows of the kernels' matrices: their tiles take rows in fours, and a last pair. */
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

/** One layer's sizes and where its parameters sit in the flat (canonical) and the packed order. */
interface LayerShape {
  /** Real and padded input / output sizes. */
  readonly kr: number;
  readonly nr: number;
  readonly kp: number;
  readonly np: number;
  /** Float offsets of its kernel (its bias follows) in the flat and in the packed parameter vector of the MLP. */
  readonly flatOffset: number;
  readonly packedOffset: number;
}

/**
 * An MLP's parameters in the two orders: the flat vector (`namedVariables`: kernel row-major, bias, per layer) and
 * the packed one the kernels work in (kernel in panels [np/8][kp][8], padded bias; padding zero).
 */
export interface PackedLayout {
  readonly layers: readonly LayerShape[];
  readonly flatCount: number;
  readonly packedCount: number;
}

export function packedLayout(layers: readonly [number, number][]): PackedLayout {
  let flat = 0;
  let packed = 0;
  const shapes = layers.map(([kr, nr]) => {
    const kp = roundUp(kr, 8);
    const np = roundUp(nr, 8);
    const l = { kr, nr, kp, np, flatOffset: flat, packedOffset: packed };
    flat += kr * nr + nr;
    packed += kp * np + np;
    return l;
  });
  return { layers: shapes, flatCount: flat, packedCount: packed };
}

/** Flat parameters at byte offset `flatAt` → packed at `packedAt` (both in `kernels`' memory). */
export function packParameters(
  kernels: Kernels,
  layout: PackedLayout,
  flatAt: number,
  packedAt: number,
): void {
  convertParameters(kernels, layout, flatAt, packedAt, 'pack');
}

/** Packed parameters at `packedAt` → flat at `flatAt`. */
export function unpackParameters(
  kernels: Kernels,
  layout: PackedLayout,
  packedAt: number,
  flatAt: number,
): void {
  convertParameters(kernels, layout, flatAt, packedAt, 'unpack');
}

function convertParameters(
  kernels: Kernels,
  layout: PackedLayout,
  flatAt: number,
  packedAt: number,
  to: 'pack' | 'unpack',
): void {
  for (const l of layout.layers) {
    const flat = flatAt + 4 * l.flatOffset;
    const packed = packedAt + 4 * l.packedOffset;
    if (to === 'pack') kernels.x.pack_layer(l.kr, l.nr, l.kp, l.np, flat, packed);
    else kernels.x.unpack_layer(l.kr, l.nr, l.kp, l.np, packed, flat);
  }
}

/** A matrix kept in both of the kernels' layouts (byte offsets): Q (column quads) and M (row quads). */
interface Layouts {
  readonly q: number;
  readonly m: number;
}

interface LayerPlan extends LayerShape {
  /** Byte offset of Wᵀ in panels (not for the first layer: its input needs no gradient). */
  readonly wt: number;
  /** Its output (the head's only in Q layout: M is for a next layer's input). */
  readonly y: Layouts;
}

/** Where one MLP's buffers for at most `maxRows` rows live in a kernel memory. */
export interface MlpPlan {
  readonly layers: readonly LayerPlan[];
  readonly maxRows: number;
  /** Byte offsets: the input row-major [maxRows][in], the head's output and its gradient (row-major). */
  readonly input: number;
  readonly output: number;
  readonly dOutput: number;
  /** The input in the kernels' layouts. */
  readonly x: Layouts;
  /** Two gradient buffers, used in turn. */
  readonly d: readonly [Layouts, Layouts];
}

/** Reserves in `plan` the workspace of an MLP with `layers` for batches of up to `maxRows` rows. */
export function planMlp(plan: MemoryPlan, layers: readonly [number, number][], maxRows: number): MlpPlan {
  const rp = paddedRows(maxRows);
  const r4 = roundUp(rp, 4);
  const layouts = (cols: number, m = true): Layouts => ({
    q: plan.floats(rp * cols),
    m: m ? plan.floats(r4 * cols) : 0,
  });
  const shapes = packedLayout(layers).layers;
  const widest = Math.max(8, ...shapes.flatMap((l) => [l.kp, l.np]));
  const planned = shapes.map(
    (l, i): LayerPlan => ({
      ...l,
      wt: i === 0 ? -1 : plan.floats(l.kp * l.np),
      y: layouts(l.np, i < shapes.length - 1),
    }),
  );
  const first = planned[0]!;
  const last = planned[planned.length - 1]!;
  return {
    layers: planned,
    maxRows,
    input: plan.floats(maxRows * first.kr),
    output: plan.floats(maxRows * last.nr),
    dOutput: plan.floats(maxRows * last.nr),
    x: layouts(first.kp),
    d: [layouts(widest), layouts(widest)],
  };
}

/** Reserves a stack for one kernel instance; returns its top. */
export function planStack(plan: MemoryPlan): number {
  return plan.take(STACK_BYTES) + STACK_BYTES;
}

/**
 * One MLP (tanh hidden layers, linear head) on the kernels, its parameters in the packed order: run the forward pass
 * on up to `maxRows` rows written to `input`, and the backward pass from the head's gradient in `dOutput`.
 */
export class MlpRunner {
  /** Row-major [maxRows][in]: the caller writes the batch here. */
  readonly input: Float32Array;
  /** Row-major [rows][out] after `forward`. */
  readonly output: Float32Array;
  /** Row-major [rows][out]: the caller writes the loss gradient here before `backward`. */
  readonly dOutput: Float32Array;
  /** Inputs per row. */
  readonly inSize: number;
  private rows = 0;
  private weightsAt = -1;

  constructor(
    readonly kernels: Kernels,
    readonly plan: MlpPlan,
  ) {
    const first = plan.layers[0]!;
    const last = plan.layers[plan.layers.length - 1]!;
    this.inSize = first.kr;
    this.input = kernels.view(plan.input, plan.maxRows * first.kr);
    this.output = kernels.view(plan.output, plan.maxRows * last.nr);
    this.dOutput = kernels.view(plan.dOutput, plan.maxRows * last.nr);
  }

  /**
   * Uses the packed parameters at byte offset `packedAt` (until the next call): their kernels as they are, and, for
   * a backward pass (`backward`), the hidden layers' Wᵀ rebuilt from them — unless `transposed` says `stepAdam`
   * already wrote them from these very weights.
   */
  useWeights(packedAt: number, backward = true, transposed = false): void {
    this.weightsAt = packedAt;
    if (!backward || transposed) return;
    for (const [l, p] of this.plan.layers.entries())
      if (l > 0) this.kernels.x.transpose_packed(p.kp, p.np, packedAt + 4 * p.packedOffset, p.wt);
  }

  /** The forward pass of the first `rows` rows of `input`; the head's values land in `output`. */
  forward(rows: number): void {
    if (rows < 1 || rows > this.plan.maxRows)
      throw new Error(`MlpRunner: ${rows} rows (this workspace holds 1 to ${this.plan.maxRows})`);
    if (this.weightsAt < 0) throw new Error('MlpRunner: forward before useWeights');
    this.rows = rows;
    const x = this.kernels.x;
    const { layers, input, output } = this.plan;
    const rp = paddedRows(rows);
    const first = layers[0]!;
    x.to_layouts(rows, first.kr, input, first.kr, rp, first.kp, this.plan.x.q, this.plan.x.m);
    let from = this.plan.x;
    for (const [l, p] of layers.entries()) {
      const head = l === layers.length - 1;
      const w = this.weightsAt + 4 * p.packedOffset;
      x.layer_forward(rp, p.kp, p.np, from.m, w, w + 4 * p.kp * p.np, head ? 0 : 1, p.y.q, p.y.m);
      from = p.y;
    }
    const last = layers[layers.length - 1]!;
    x.from_quads(rows, last.nr, rp, last.y.q, output, last.nr);
  }

  /**
   * One Adam step of this MLP's packed parameters at byte offset `packedAt` (moments at `mAt`/`vAt`, gradient at
   * `gradsAt`, each in the packed order), writing the layers' Wᵀ for the backward pass from the stepped weights as
   * it goes (the same values `useWeights` would rebuild).
   */
  stepAdam(packedAt: number, mAt: number, vAt: number, gradsAt: number, args: AdamKernelScalars): void {
    const x = this.kernels.x;
    for (const [l, p] of this.plan.layers.entries()) {
      const o = 4 * p.packedOffset;
      const w = p.kp * p.np;
      if (l === 0) {
        x.adam_step(packedAt + o, mAt + o, vAt + o, gradsAt + o, w + p.np, ...args);
        continue;
      }
      x.adam_step_transposed(packedAt + o, mAt + o, vAt + o, gradsAt + o, p.kp, p.np, p.wt, ...args);
      const b = o + 4 * w;
      x.adam_step(packedAt + b, mAt + b, vAt + b, gradsAt + b, p.np, ...args);
    }
  }

  /**
   * The backward pass of the last `forward`, from the gradient in `dOutput`: the parameter gradients, packed, go
   * to byte offset `grads`. Returns their sum of squares.
   */
  backward(grads: number): number {
    const x = this.kernels.x;
    const layers = this.plan.layers;
    const rows = this.rows;
    const rp = paddedRows(rows);
    const last = layers[layers.length - 1]!;
    let [d, spare] = this.plan.d;
    x.to_layouts(rows, last.nr, this.plan.dOutput, last.nr, rp, last.np, d.q, d.m);
    let sumSq = 0;
    for (let l = layers.length - 1; l >= 0; l--) {
      const p = layers[l]!;
      const input = l === 0 ? this.plan.x : layers[l - 1]!.y;
      sumSq += x.layer_backward_weights(rows, rp, p.kp, p.np, input.q, d.q, grads + 4 * p.packedOffset);
      if (l > 0) {
        x.layer_backward_input(rp, p.np, p.kp, d.m, p.wt, input.q, spare.q, spare.m);
        [d, spare] = [spare, d];
      }
    }
    return sumSq;
  }
}
