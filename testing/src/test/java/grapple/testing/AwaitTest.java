package grapple.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
  @Test
  void untilReturnsOnceAnotherThreadMakesTheConditionTrue() {
    AtomicBoolean done = new AtomicBoolean();
    new Thread(
            () -> {
              Await.pause(Duration.ofMillis(50));
              done.set(true);
            })
        .start();

    Await.until(Duration.ofSeconds(10), done::get);

    assertThat(done).isTrue();
  }

  @Test
  void untilFailsAfterTheTimeoutSayingHowLongItWaited() {
    assertThatThrownBy(() -> Await.until(Duration.ofMillis(50), () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("condition still false after 50 ms (polled ");
  }

  @Test
  void valueReturnsTheFirstValuePresent() {
    AtomicInteger polls = new AtomicInteger();

    String value =
        Await.value(
            Duration.ofSeconds(10),
            () -> polls.incrementAndGet() < 3 ? Optional.empty() : Optional.of("third"));

    assertThat(value).isEqualTo("third");
    assertThat(polls).hasValue(3);
  }

  @Test
  void valueFailsAfterTheTimeoutWhenItStaysEmpty() {
    assertThatThrownBy(() -> Await.value(Duration.ofMillis(50), Optional::empty))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("value still empty after 50 ms");
  }

  @Test
  void aConditionThatThrowsEndsTheWaitAtOnce() {
    long started = System.nanoTime();

    assertThatThrownBy(
            () ->
                Await.until(
                    Duration.ofSeconds(10),
                    () -> {
                      throw new IllegalStateException("broken");
                    }))
        .hasMessage("broken");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }
}
