package grapple.commands;

import java.util.List;
import java.util.Map;

/** The service names and aliases Grapple's services declare, for tests of permissions and help. */
final class TestNames {
  static final ServiceNames NAMES =
      new ServiceNames(
          Map.of(
              "generic", List.of("webhook", "webhooks"),
              "feeds", List.of("feed"),
              "genericOutbound", List.of("outbound", "outbound-hook"),
              "github", List.of()));

  private TestNames() {}
}
