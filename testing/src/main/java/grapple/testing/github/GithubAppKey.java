package grapple.testing.github;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * An RSA key pair for a fake GitHub App: the private key as GitHub hands it out (PKCS#1 PEM, {@code
 * BEGIN RSA PRIVATE KEY}) or as PKCS#8, and app JWTs signed with it.
 */
public final class GithubAppKey {
  private static final int BITS = 2048;

  /** GitHub's advice: date iat back a little for clock drift; exp at most 10 minutes after iat. */
  private static final Duration ISSUED_BEFORE = Duration.ofSeconds(60);

  private static final Duration LIFETIME = Duration.ofMinutes(10);
  private static final Base64.Encoder PEM_BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
  private static final Base64.Encoder JWT_BASE64 = Base64.getUrlEncoder().withoutPadding();

  private final RSAPublicKey publicKey;
  private final RSAPrivateCrtKey privateKey;

  private GithubAppKey(KeyPair pair) {
    this.publicKey = (RSAPublicKey) pair.getPublic();
    this.privateKey = (RSAPrivateCrtKey) pair.getPrivate();
  }

  /** A new 2048-bit key pair, as GitHub generates for an app. */
  public static GithubAppKey generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(BITS);
      return new GithubAppKey(generator.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is missing from this JDK", e);
    }
  }

  public RSAPublicKey publicKey() {
    return publicKey;
  }

  public RSAPrivateCrtKey privateKey() {
    return privateKey;
  }

  /** The private key as the .pem file GitHub's "Generate a private key" downloads. */
  public String pkcs1Pem() {
    return pem("RSA PRIVATE KEY", pkcs1());
  }

  /**
   * The private key as PKCS#8, what {@code openssl pkcs8 -topk8 -nocrypt} makes of GitHub's file.
   */
  public String pkcs8Pem() {
    return pem("PRIVATE KEY", privateKey.getEncoded());
  }

  /**
   * An app JWT as GitHub asks for one: RS256, {@code iss} the app id, issued 60 s before {@code
   * now}, 10 minutes long.
   */
  public String jwt(long appId, Instant now) {
    Instant issuedAt = now.minus(ISSUED_BEFORE);
    return jwt(
        "{\"iat\":"
            + issuedAt.getEpochSecond()
            + ",\"exp\":"
            + issuedAt.plus(LIFETIME).getEpochSecond()
            + ",\"iss\":"
            + appId
            + "}");
  }

  /**
   * An app JWT with these claims ({@code iss} as a string, e.g. the app's client id): for tests of
   * bad claims.
   */
  public String jwt(String issuer, Instant issuedAt, Instant expiresAt) {
    return jwt(
        "{\"iat\":"
            + issuedAt.getEpochSecond()
            + ",\"exp\":"
            + expiresAt.getEpochSecond()
            + ",\"iss\":\""
            + issuer
            + "\"}");
  }

  private String jwt(String claims) {
    String signed = base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + base64Url(claims);
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(privateKey);
      signature.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + JWT_BASE64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a JWT", e);
    }
  }

  private static String base64Url(String json) {
    return JWT_BASE64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 8017 A.1.2 RSAPrivateKey: a SEQUENCE of nine INTEGERs. */
  private byte[] pkcs1() {
    ByteArrayOutputStream integers = new ByteArrayOutputStream();
    BigInteger[] fields = {
      BigInteger.ZERO,
      privateKey.getModulus(),
      privateKey.getPublicExponent(),
      privateKey.getPrivateExponent(),
      privateKey.getPrimeP(),
      privateKey.getPrimeQ(),
      privateKey.getPrimeExponentP(),
      privateKey.getPrimeExponentQ(),
      privateKey.getCrtCoefficient()
    };
    for (BigInteger field : fields) integers.writeBytes(der(0x02, field.toByteArray()));
    return der(0x30, integers.toByteArray());
  }

  /** One DER value: tag, definite length (short or long form), content. */
  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (content.length < 0x80) {
      out.write(content.length);
    } else {
      byte[] length = BigInteger.valueOf(content.length).toByteArray();
      int skip = length[0] == 0 ? 1 : 0;
      out.write(0x80 | (length.length - skip));
      out.write(length, skip, length.length - skip);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + PEM_BASE64.encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
