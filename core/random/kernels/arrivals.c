/*
 * The inner loop of the training workload's arrival generator (core/workload/request-loader.ts) on the stream of
 * mt19937.c and normal.c: inside one phase, per arrival a fresh uniform rate and an exponential gap, CPython's
 * `uniform(a, b)` = a + (b − a)·random() and `expovariate(rate)` = −log(1 − random())/rate with glibc's log, the
 * same operations in the same order as cpython-random.ts (no fused multiply-add: -ffp-contract=off). A batch is
 * about 10⁵–10⁶ arrivals, three draws of the stream and a log each: here they cost no call into JavaScript's
 * `random()` and `glibcLog` per arrival. Built with the MT19937 kernel by scripts/build-kernels.sh.
 */
#include <stdint.h>

double random53(void);
double glibc_log(double x);
/* normal.c's run buffer (its RUN_CAPACITY doubles) and run clock: an arrival run hands its times back there. */
extern double run_draws[];
extern double run_clock;

/* The phase's running sum of drawn rates and their count, carried across calls (in and out). */
double arrival_rate_sum;
int32_t arrival_rate_draws;

double *arrival_rate_sum_ptr(void) { return &arrival_rate_sum; }
int32_t *arrival_rate_draws_ptr(void) { return &arrival_rate_draws; }

/*
 * From time t, while t < phase_end and t < max_s: draw a rate (added to arrival_rate_sum, counted in
 * arrival_rate_draws), add its gap to t, and keep t as an arrival unless it reached max_s (that one is dropped and
 * ends the batch). Stops after max_out kept arrivals (≤ the run buffer's length). The arrivals land in run_draws,
 * the clock after the last draw in run_clock; returns how many were kept.
 */
int32_t arrival_run(double min_rate, double max_rate, double t, double phase_end, double max_s, int32_t max_out) {
  double rate_sum = arrival_rate_sum;
  int32_t draws = arrival_rate_draws;
  int32_t k = 0;
  while (k < max_out && t < phase_end && t < max_s) {
    double rate = min_rate + (max_rate - min_rate) * random53();
    rate_sum += rate;
    draws++;
    t += -glibc_log(1.0 - random53()) / rate;
    if (t >= max_s) break;
    run_draws[k++] = t;
  }
  run_clock = t;
  arrival_rate_sum = rate_sum;
  arrival_rate_draws = draws;
  return k;
}
