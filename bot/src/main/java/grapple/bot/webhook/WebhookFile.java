package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.Texts;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import okhttp3.MultipartReader;
import okio.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * A file sent to a webhook: an {@code image/*} body, or {@code multipart/form-data} with a {@code
 * file} part and an optional {@code text} part (the caption). Images are checked against what their
 * bytes are; the message is {@code m.image} or {@code m.file} once the file is in the media
 * repository.
 */
record WebhookFile(byte[] bytes, String contentType, String fileName, Optional<String> caption) {
  static final int MAX_CAPTION_CHARS = 4096;

  /**
   * File names are cut to this many characters (keeping a short extension), as most file systems
   * do: the name goes into the event twice ({@code body}, {@code filename}), and a longer one could
   * take it over the homeserver's size limit, refused after the sender had its 202.
   */
  static final int MAX_FILE_NAME_CHARS = 255;

  /** A media type is at most 127 characters of type and 127 of subtype (RFC 6838 §4.2). */
  private static final int MAX_MEDIA_TYPE_CHARS = 255;

  /** Uploads to the homeserver's media repository; returns the {@code mxc://} URI. */
  interface Uploader {
    String upload(byte[] bytes, String contentType, String fileName) throws IOException;
  }

  /**
   * True for the content types this reads: {@code image/*} and {@code multipart/form-data}. An
   * {@code image/svg+xml} body is XML, read as data (CONTRACT §6: {@code *+xml} is an object).
   */
  static boolean isFile(Optional<String> contentType) {
    String mime = mime(contentType.orElse(""));
    return (mime.startsWith("image/") && !mime.endsWith("+xml"))
        || mime.equals("multipart/form-data");
  }

  /** Reads the file; BadInput names what is wrong (400), Unsupported an image that is not one. */
  static WebhookFile read(Optional<String> contentType, byte[] body) {
    String full = contentType.orElse("");
    String mime = mime(full);
    if (mime.startsWith("image/")) {
      checkImage(mime, body);
      return new WebhookFile(body, mime, "image." + extension(mime), Optional.empty());
    }
    String boundary = parameter(full, "boundary");
    if (boundary == null)
      throw new BadInput("Content-Type", "multipart/form-data needs a boundary parameter");
    byte[] file = null;
    String fileType = "application/octet-stream";
    String fileName = "file";
    String caption = null;
    try (MultipartReader reader = new MultipartReader(new Buffer().write(body), boundary)) {
      while (true) {
        MultipartReader.Part next = reader.nextPart();
        if (next == null) break;
        try (MultipartReader.Part part = next) {
          String disposition = part.headers().get("Content-Disposition");
          String name = disposition == null ? null : parameter(disposition, "name");
          if ("file".equals(name)) {
            file = part.body().readByteArray();
            String given = part.headers().get("Content-Type");
            if (given != null && mime(given).length() <= MAX_MEDIA_TYPE_CHARS)
              fileType = mime(given);
            String n = parameter(disposition, "filename");
            if (n != null && !n.isBlank())
              fileName = shortened(n.replaceAll("[\\\\/\\p{Cntrl}]", "_"));
          } else if ("text".equals(name)) {
            caption = part.body().readUtf8();
          }
        }
      }
    } catch (IOException | IllegalStateException | IllegalArgumentException e) {
      // okio's EOFException has no message: the body ended before its closing boundary.
      String why =
          e.getMessage() != null
              ? e.getMessage()
              : e instanceof java.io.EOFException
                  ? "it ends before its closing boundary --" + boundary + "--"
                  : e.getClass().getSimpleName();
      throw new BadInput(
          "body", "Body is not valid multipart/form-data (boundary '" + boundary + "'): " + why);
    }
    if (file == null) throw new BadInput("file", "multipart/form-data needs a 'file' part");
    BadInput.check(
        caption == null || caption.length() <= MAX_CAPTION_CHARS,
        "text",
        "must be at most %d characters, was %d",
        MAX_CAPTION_CHARS,
        caption == null ? 0 : caption.length());
    // An image of a type whose bytes are not checked (an SVG, HEIC, TIFF) is a file like any
    // other, posted as m.file: it was refused with 415 as "not an image".
    if (IMAGES.contains(fileType)) checkImage(fileType, file);
    return new WebhookFile(
        file, fileType, fileName, Optional.ofNullable(caption).filter(c -> !c.isBlank()));
  }

  /** The message for the uploaded file. */
  ObjectNode message(String mxc) {
    boolean image = IMAGES.contains(contentType);
    ObjectNode content =
        Json.object()
            .put("msgtype", image ? "m.image" : "m.file")
            .put("body", caption.orElse(fileName))
            .put("filename", fileName)
            .put("url", mxc);
    content.putObject("info").put("mimetype", contentType).put("size", bytes.length);
    return content;
  }

  /** The image types posted as {@code m.image}, each checked against its first bytes. */
  static final java.util.Set<String> IMAGES =
      java.util.Set.of(
          "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp");

  /** An image type whose bytes are not that image is refused (415): no HTML passed as a PNG. */
  private static void checkImage(String mime, byte[] b) {
    boolean ok =
        switch (mime) {
          case "image/png" -> starts(b, 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
          case "image/jpeg", "image/jpg" -> starts(b, 0xff, 0xd8, 0xff);
          case "image/gif" -> starts(b, 'G', 'I', 'F', '8');
          case "image/webp" ->
              starts(b, 'R', 'I', 'F', 'F') && b.length > 12 && b[8] == 'W' && b[9] == 'E';
          case "image/bmp" -> starts(b, 'B', 'M');
          default -> false;
        };
    if (!ok) {
      throw new BodyParser.Unsupported(
          "Body is not a "
              + mime
              + " image (images taken: image/png, image/jpeg, image/gif, image/webp, image/bmp,"
              + " checked by their first bytes)");
    }
  }

  /**
   * {@code name} cut to {@value #MAX_FILE_NAME_CHARS} characters, its extension (if short) kept.
   */
  static String shortened(String name) {
    if (name.length() <= MAX_FILE_NAME_CHARS) return name;
    int dot = name.lastIndexOf('.');
    String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
    // Never half of a character outside the BMP.
    return Texts.prefix(name, MAX_FILE_NAME_CHARS - extension.length()) + extension;
  }

  private static boolean starts(byte[] b, int... magic) {
    if (b.length < magic.length) return false;
    for (int i = 0; i < magic.length; i++) if ((b[i] & 0xff) != magic[i]) return false;
    return true;
  }

  private static String extension(String mime) {
    String sub = mime.substring("image/".length());
    return sub.equals("jpeg") ? "jpg" : sub.replaceAll("[^a-z0-9]", "");
  }

  private static String mime(String contentType) {
    return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
  }

  private static @Nullable String parameter(String header, String name) {
    for (String p : header.split(";")) {
      String[] kv = p.strip().split("=", 2);
      if (kv.length == 2 && kv[0].strip().equalsIgnoreCase(name)) {
        String v = kv[1].strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\""))
          v = v.substring(1, v.length() - 1);
        return v;
      }
    }
    return null;
  }
}
