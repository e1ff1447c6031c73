package grapple.bot.room;

import java.util.regex.Pattern;

/**
 * The shape of Matrix ids as Grapple checks what people type or send: a sigil, a localpart without
 * {@code :} or spaces, then {@code :server} without spaces.
 */
public final class MatrixIds {
  private static final Pattern USER_ID = Pattern.compile("@[^:\\s]+:\\S+");
  private static final Pattern ROOM_ID = Pattern.compile("![^:\\s]+:\\S+");

  private MatrixIds() {}

  /** Whether all of {@code text} is a user id, {@code @user:server}. */
  public static boolean isUserId(String text) {
    return USER_ID.matcher(text).matches();
  }

  /** Whether all of {@code text} is a room id, {@code !opaque:server}. */
  public static boolean isRoomId(String text) {
    return ROOM_ID.matcher(text).matches();
  }
}
