package grapple.bot.room;

import java.util.regex.Pattern;

/**
 * The shape of Matrix ids as Grapple checks what people type or send: a sigil, a localpart without
 * {@code :} or spaces, then {@code :server} without spaces. A room of room version 12 has no server
 * in its id: {@code !} and the create event's hash, 43 characters of URL-safe Base64 (MSC4291).
 */
public final class MatrixIds {
  /** A room id: {@code !opaque:server}, or room version 12's {@code !<hash>}. */
  public static final String ROOM_ID_REGEX = "![^:\\s]+:\\S+|![A-Za-z0-9_-]{43}";

  private static final Pattern USER_ID = Pattern.compile("@[^:\\s]+:\\S+");
  private static final Pattern ROOM_ID = Pattern.compile(ROOM_ID_REGEX);

  private MatrixIds() {}

  /** Whether all of {@code text} is a user id, {@code @user:server}. */
  public static boolean isUserId(String text) {
    return USER_ID.matcher(text).matches();
  }

  /** Whether all of {@code text} is a room id, {@code !opaque:server} or {@code !<hash>}. */
  public static boolean isRoomId(String text) {
    return ROOM_ID.matcher(text).matches();
  }
}
