package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The people one message pings: forge logins looked up in the linked accounts (at most {@link
 * #MAX_MENTIONS} per message), shown as pills and listed in {@code m.mentions}.
 */
public final class Pills {
  /** At most this many linked people are looked up (and pinged) per message. */
  public static final int MAX_MENTIONS = 10;

  /**
   * A user id safe to put in an attribute: {@code @local:server}, no spaces, quotes or brackets.
   */
  private static final Pattern USER_ID = Pattern.compile("@[^\\s:\"'<>&]+:[^\\s\"'<>&]+");

  private final Mentions mentions;
  private final Map<String, Optional<String>> looked = new HashMap<>();
  private final Set<String> userIds = new LinkedHashSet<>();

  public Pills(Mentions mentions) {
    this.mentions = Objects.requireNonNull(mentions, "mentions");
  }

  /** The HTML of {@code shown} for forge user {@code login}: a pill when linked, else escaped. */
  public String html(String login, String shown) {
    Optional<String> userId = userIdOf(login);
    if (userId.isEmpty()) return Messages.escapeHtml(shown);
    userIds.add(userId.get());
    return "<a href=\"https://matrix.to/#/"
        + Messages.escapeHtml(userId.get())
        + "\">"
        + Messages.escapeHtml(shown)
        + "</a>";
  }

  /** Pings the people {@code other} pinged as well. */
  public void addAll(Pills other) {
    userIds.addAll(other.userIds);
  }

  /** Writes {@code m.mentions} (always present, with {@code user_ids} when anyone is pinged). */
  public void writeTo(ObjectNode content) {
    ObjectNode mentioned = content.putObject("m.mentions");
    if (!userIds.isEmpty()) userIds.forEach(mentioned.putArray("user_ids")::add);
  }

  private Optional<String> userIdOf(String login) {
    Optional<String> known = looked.get(login);
    if (known != null) return known;
    if (login.isEmpty()) return Optional.empty();
    if (looked.size() >= MAX_MENTIONS) return Optional.empty();
    Optional<String> found =
        Objects.requireNonNull(mentions.matrixUserFor(login), "matrixUserFor")
            .filter(id -> USER_ID.matcher(id).matches());
    looked.put(login, found);
    return found;
  }
}
