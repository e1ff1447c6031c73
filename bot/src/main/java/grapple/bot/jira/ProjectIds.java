package grapple.bot.jira;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project keys learned from issue events, by site and project id: version events name their
 * project by id only, and a room whose state was written by hand without {@code id} is matched to
 * them through the key an issue event of the same project showed. Kept in memory only (room state
 * is not written for it), so such a room gets version events once an issue event of its project was
 * seen since the bot started. Bounded: the least recently seen projects are forgotten first.
 */
final class ProjectIds {
  static final int MAX_PROJECTS = 10_000;

  private final Map<String, String> keys =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > MAX_PROJECTS;
        }
      };

  /**
   * {@code events} with what they teach applied: an issue event's project id and key are learned, a
   * version event gets the key learned for its project (unchanged when none was).
   */
  synchronized List<JiraEvent> learn(List<JiraEvent> events) {
    for (JiraEvent event : events) {
      if (!event.isVersion() && !event.projectId().isEmpty() && !event.projectKey().isEmpty())
        keys.put(slot(event), event.projectKey());
    }
    return events.stream()
        .map(
            e -> {
              if (!e.isVersion() || !e.projectKey().isEmpty()) return e;
              String key = keys.get(slot(e));
              return key == null ? e : e.withKey(key);
            })
        .toList();
  }

  private static String slot(JiraEvent event) {
    return event.authority() + "/" + event.projectId();
  }
}
