package grapple.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void nearestRankPercentilesOfOneToHundred() {
    long[] values = new long[100];
    for (int i = 0; i < 100; i++) values[i] = 100L - i;

    Stats stats = Stats.of(values, 100);

    assertThat(stats.percentileNanos(50)).isEqualTo(50);
    assertThat(stats.percentileNanos(99)).isEqualTo(99);
    assertThat(stats.percentileNanos(100)).isEqualTo(100);
  }

  @Test
  void onlyTheFirstCountValuesAreUsed() {
    Stats stats = Stats.of(new long[] {7, 3, 1000, 1000}, 2);

    assertThat(stats.count()).isEqualTo(2);
    assertThat(stats.percentileNanos(100)).isEqualTo(7);
  }

  @Test
  void emptyGivesZero() {
    assertThat(Stats.of(new long[0], 0).percentileNanos(99)).isZero();
  }

  @Test
  void rejectsPercentileOutsideRange() {
    assertThatThrownBy(() -> Stats.of(new long[] {1}, 1).percentileNanos(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void twoSetsOfValuesMergeIntoOneSortedSet() {
    Stats a = Stats.of(new long[] {5, 1, 9}, 3);
    Stats b = Stats.of(new long[] {2, 10}, 2);

    Stats both = a.plus(b);

    assertThat(both.count()).isEqualTo(5);
    assertThat(both.percentileNanos(20)).isEqualTo(1);
    assertThat(both.percentileNanos(60)).isEqualTo(5);
    assertThat(both.percentileNanos(100)).isEqualTo(10);
  }
}
