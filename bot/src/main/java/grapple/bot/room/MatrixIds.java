package grapple.bot.room;

import java.util.regex.Pattern;

/**
 * The shape of Matrix ids as Grapple checks what people type or send: a user id as the spec writes
 * it; a room id as a sigil, a part without {@code :} or spaces, then {@code :server} without
 * spaces. A room of room version 12 has no server in its id: {@code !} and the create event's hash,
 * 43 characters of URL-safe Base64 (MSC4291).
 */
public final class MatrixIds {
  /** A room id: {@code !opaque:server}, or room version 12's {@code !<hash>}. */
  public static final String ROOM_ID_REGEX = "![^:\\s]+:\\S+|![A-Za-z0-9_-]{43}";

  /**
   * The spec's grammar: a localpart of printable ASCII other than {@code :} (historical user ids
   * included), then a server name (a DNS name, IPv4 address or bracketed IPv6 address) and an
   * optional port. No control, invisible or right-to-left characters, which would reach replies and
   * links as given.
   */
  private static final Pattern USER_ID =
      Pattern.compile(
          "@[\\x21-\\x39\\x3B-\\x7E]{1,255}:(?:\\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,255})(?::[0-9]{1,5})?");

  private static final Pattern ROOM_ID = Pattern.compile(ROOM_ID_REGEX);

  private MatrixIds() {}

  /** The spec's bound on a whole user id, sigil and server name included. */
  static final int MAX_USER_ID_CHARS = 255;

  /** Whether all of {@code text} is a user id, {@code @user:server}, of at most 255 characters. */
  public static boolean isUserId(String text) {
    return text.length() <= MAX_USER_ID_CHARS && USER_ID.matcher(text).matches();
  }

  /** Whether all of {@code text} is a room id, {@code !opaque:server} or {@code !<hash>}. */
  public static boolean isRoomId(String text) {
    return ROOM_ID.matcher(text).matches();
  }
}
