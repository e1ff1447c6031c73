package grapple.bot.forge;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures as GitHub, Gitea and JIRA make them: the hex HMAC-SHA256 of the raw body with
 * the shared secret (GitHub's and JIRA's after {@code sha256=}), compared in constant time.
 */
public final class Signatures {
  private static final String PREFIX = "sha256=";

  private Signatures() {}

  /**
   * True when {@code header} is {@code sha256=<hex>} of exactly {@code body}; a missing or {@code
   * sha1=} one is not.
   */
  public static boolean matches(byte[] secret, Optional<String> header, byte[] body) {
    if (header.isEmpty() || !header.get().startsWith(PREFIX)) return false;
    return hexMatches(hmac(secret, body), header.get().substring(PREFIX.length()));
  }

  /**
   * True when {@code header} could be a signature {@link #matches} checks: {@code sha256=} and 64
   * hex digits. One that is not is refused before the body it would sign is read.
   */
  public static boolean wellFormed(Optional<String> header) {
    return header.isPresent()
        && header.get().startsWith(PREFIX)
        && isHexSha256(header.get().substring(PREFIX.length()));
  }

  /** True when {@code hex} is 64 hex digits (any case): the length of an HMAC-SHA256. */
  public static boolean isHexSha256(String hex) {
    return hex.length() == 64 && hex.chars().allMatch(HexFormat::isHexDigit);
  }

  /** True when {@code hex} (any case) spells {@code expected}; text that is not hex does not. */
  public static boolean hexMatches(byte[] expected, String hex) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false; // not hex: not a signature
    }
    return MessageDigest.isEqual(expected, given);
  }

  public static byte[] hmac(byte[] secret, byte[] body) {
    return mac(secret).doFinal(body);
  }

  private static Mac mac(byte[] secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256", e);
    }
  }

  /**
   * The HMAC-SHA256 of the first field {@code name} of an {@code application/x-www-form-urlencoded}
   * body, decoded as {@code Request.formField} decodes it ({@code +} a space, {@code %XX} a byte;
   * the same bytes for the UTF-8 a sender sends), hashed as it is decoded: no text or copy of the
   * field is made, so a forged delivery costs no memory beyond its body. Empty when the body has no
   * such field; IllegalArgumentException when its value has a malformed %-escape.
   */
  public static Optional<byte[]> formFieldHmac(byte[] secret, byte[] form, String name) {
    int longestKey = 3 * name.getBytes(StandardCharsets.UTF_8).length;
    int at = 0;
    while (at <= form.length) {
      int end = indexOf(form, (byte) '&', at, form.length);
      int eq = indexOf(form, (byte) '=', at, end);
      int keyEnd = eq < end ? eq : end;
      if (keyEnd > at && keyEnd - at <= longestKey && keyIs(form, at, keyEnd, name)) {
        Mac mac = mac(secret);
        byte[] step = new byte[8192];
        int n = 0;
        for (int i = eq + 1; i < end; i++) {
          byte b = form[i];
          if (b == '+') {
            b = ' ';
          } else if (b == '%') {
            int high = i + 2 < end ? Character.digit(form[i + 1], 16) : -1;
            int low = high >= 0 ? Character.digit(form[i + 2], 16) : -1;
            if (low < 0)
              throw new IllegalArgumentException("the field " + name + " has a malformed %-escape");
            b = (byte) (high << 4 | low);
            i += 2;
          }
          step[n++] = b;
          if (n == step.length) {
            mac.update(step, 0, n);
            n = 0;
          }
        }
        mac.update(step, 0, n);
        return Optional.of(mac.doFinal());
      }
      at = end + 1;
    }
    return Optional.empty();
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) if (bytes[i] == b) return i;
    return to;
  }

  /** Whether the form's key {@code [from, to)}, decoded, is {@code name}; short by the caller. */
  private static boolean keyIs(byte[] form, int from, int to, String name) {
    String raw = new String(form, from, to - from, StandardCharsets.UTF_8);
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8).equals(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
