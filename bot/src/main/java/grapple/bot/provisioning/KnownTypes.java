package grapple.bot.provisioning;

import java.util.Map;

/** Every connection type of the contract, so an API caller hears "disabled" rather than "unknown". */
final class KnownTypes {
  private static final Map<String, String> SERVICE_BY_EVENT_TYPE = Map.ofEntries(
      Map.entry("uk.half-shot.matrix-hookshot.generic.hook", "generic"),
      Map.entry("uk.half-shot.matrix-github.generic.hook", "generic"),
      Map.entry("uk.half-shot.matrix-hookshot.outbound-hook", "genericOutbound"),
      Map.entry("uk.half-shot.matrix-hookshot.feed", "feeds"),
      Map.entry("uk.half-shot.matrix-hookshot.github.repository", "github"),
      Map.entry("uk.half-shot.matrix-github.repository", "github"),
      Map.entry("uk.half-shot.matrix-hookshot.gitlab.repository", "gitlab"),
      Map.entry("org.grapple.gitea.repository", "gitea"),
      Map.entry("uk.half-shot.matrix-hookshot.jira.project", "jira"));

  private KnownTypes() {}

  static ApiException unknownOrDisabled(String eventType) {
    String service = SERVICE_BY_EVENT_TYPE.get(eventType);
    if (service != null) {
      return new ApiException(ErrorCode.DISABLED_FEATURE, "The " + service + " service is not enabled on this bot.");
    }
    return new ApiException(ErrorCode.NOT_FOUND, "Unknown connection type '" + eventType + "'.");
  }
}
