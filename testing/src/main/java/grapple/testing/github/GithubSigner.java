package grapple.testing.github;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies as GitHub does: an HMAC of the exact body bytes keyed with the webhook
 * secret, in lowercase hex. See
 * https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 */
public final class GithubSigner {
  private GithubSigner() {}

  /** The {@code X-Hub-Signature-256} value: {@code sha256=<hex HMAC-SHA256>}. */
  public static String sign(String secret, byte[] body) {
    return "sha256=" + hmac("HmacSHA256", secret, body);
  }

  /** The legacy {@code X-Hub-Signature} value: {@code sha1=<hex HMAC-SHA1>}. */
  public static String signSha1(String secret, byte[] body) {
    return "sha1=" + hmac("HmacSHA1", secret, body);
  }

  private static String hmac(String algorithm, String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(algorithm + " is missing from this JDK", e);
    }
  }
}
