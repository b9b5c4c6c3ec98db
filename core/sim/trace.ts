/**
 * A running hash of the handled event sequence (time bits, kind, subject id), so two runs can be compared
 * for bit-identical behaviour without storing the trace.
 */
export class TraceHash {
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  count = 0;

  record(timeS: number, kind: number, subjectId: number): void {
    this.f64[0] = timeS;
    this.mix(this.u32[0]!);
    this.mix(this.u32[1]!);
    this.mix(kind);
    this.mix(subjectId >>> 0);
    this.count++;
  }

  private mix(word: number): void {
    this.h1 = Math.imul(this.h1 ^ word, 0x01000193) >>> 0;
    this.h2 = Math.imul((this.h2 + word) ^ (this.h1 >>> 7), 0x5bd1e995) >>> 0;
  }

  hex(): string {
    return this.h1.toString(16).padStart(8, '0') + this.h2.toString(16).padStart(8, '0');
  }
}
