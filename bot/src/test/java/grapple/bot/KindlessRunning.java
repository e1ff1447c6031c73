package grapple.bot;

import java.util.List;

/**
 * A running test service with no connection kinds: a test overrides only what it is about (its
 * threads, its close).
 */
abstract class KindlessRunning implements Service.Running {
  @Override
  public List<ConnectionKind<?>> kinds() {
    return List.of();
  }
}
