package grapple.bench;

import java.util.Arrays;

/** Every recorded latency of one measurement, sorted, and what a report needs from them. */
public final class Stats {
  private final long[] sortedNanos;

  private Stats(long[] sortedNanos) {
    this.sortedNanos = sortedNanos;
  }

  /** Takes a copy of the first {@code count} values and sorts it. */
  public static Stats of(long[] nanos, int count) {
    long[] copy = Arrays.copyOf(nanos, count);
    Arrays.sort(copy);
    return new Stats(copy);
  }

  /** Both sets of values as one. */
  public Stats plus(Stats other) {
    long[] merged = new long[sortedNanos.length + other.sortedNanos.length];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < sortedNanos.length && j < other.sortedNanos.length) {
      merged[k++] =
          sortedNanos[i] <= other.sortedNanos[j] ? sortedNanos[i++] : other.sortedNanos[j++];
    }
    while (i < sortedNanos.length) merged[k++] = sortedNanos[i++];
    while (j < other.sortedNanos.length) merged[k++] = other.sortedNanos[j++];
    return new Stats(merged);
  }

  public int count() {
    return sortedNanos.length;
  }

  /**
   * The nearest-rank percentile: the smallest value that at least {@code p}% of the values are at
   * or below. Returns 0 when nothing was recorded.
   */
  public long percentileNanos(double p) {
    if (p <= 0 || p > 100)
      throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
    if (sortedNanos.length == 0) return 0;
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)];
  }

  public double percentileMillis(double p) {
    return percentileNanos(p) / 1e6;
  }

  public double meanMillis() {
    if (sortedNanos.length == 0) return 0;
    double sum = 0;
    for (long v : sortedNanos) sum += v;
    return sum / sortedNanos.length / 1e6;
  }

  public double maxMillis() {
    return sortedNanos.length == 0 ? 0 : sortedNanos[sortedNanos.length - 1] / 1e6;
  }
}
