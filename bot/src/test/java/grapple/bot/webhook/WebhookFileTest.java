package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.BadInput;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebhookFileTest {
  private static WebhookFile multipart(String fileName, String partType) {
    byte[] body =
        ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + fileName
                + "\"\r\nContent-Type: "
                + partType
                + "\r\n\r\n%PDF-1.4\r\n--b--\r\n")
            .getBytes(StandardCharsets.UTF_8);
    return WebhookFile.read(Optional.of("multipart/form-data; boundary=b"), body);
  }

  /**
   * A file name (or part type) of tens of kilobytes, well inside the payload limit, went into the
   * event whole: over the homeserver's size limit, the message was refused after the sender had its
   * 202, and the file never posted.
   */
  @Test
  void aHugeFileNameOrPartTypeStillMakesAnEventTheHomeserverTakes() {
    WebhookFile file = multipart("a".repeat(70_000) + ".pdf", "application/" + "x".repeat(70_000));

    ObjectNode message = file.message("mxc://test/abc");

    assertThat(Messages.size(message)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(file.fileName()).hasSize(WebhookFile.MAX_FILE_NAME_CHARS).endsWith(".pdf");
    assertThat(message.path("filename").asText()).isEqualTo(file.fileName());
    assertThat(file.contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void anOrdinaryFileNameAndTypeAreKeptAsGiven() {
    WebhookFile file = multipart("report.pdf", "application/pdf");

    assertThat(file.fileName()).isEqualTo("report.pdf");
    assertThat(file.contentType()).isEqualTo("application/pdf");
  }

  /**
   * {@code curl -F file=@logo.svg} sends the part as {@code image/svg+xml}: a file whose bytes no
   * image check reads. It was refused with 415 ("Body is not a image/svg+xml image"); it is posted
   * as a file. A checked image type is still checked and posted as an image.
   */
  @Test
  void anImagePartOfATypeNotCheckedIsPostedAsAFileNotRefused() {
    WebhookFile svg = multipart("logo.svg", "image/svg+xml");
    WebhookFile heic = multipart("photo.heic", "image/heic");

    assertThat(svg.message("mxc://test/svg").path("msgtype").asText()).isEqualTo("m.file");
    assertThat(svg.message("mxc://test/svg").path("info").path("mimetype").asText())
        .isEqualTo("image/svg+xml");
    assertThat(heic.message("mxc://test/heic").path("msgtype").asText()).isEqualTo("m.file");
    assertThatThrownBy(() -> multipart("fake.png", "image/png"))
        .isInstanceOf(BodyParser.Unsupported.class);
  }

  @Test
  void aNameIsNeverCutInsideACharacterOutsideTheBmp() {
    String name = "a".repeat(WebhookFile.MAX_FILE_NAME_CHARS - 1) + "😀".repeat(10);

    String cut = WebhookFile.shortened(name);

    assertThat(cut).isEqualTo("a".repeat(WebhookFile.MAX_FILE_NAME_CHARS - 1));
  }

  /** The sender read {@code {"error":"is not valid multipart/form-data: …"}}: nothing named. */
  @Test
  void aBrokenMultipartBodyIsABadInputNamingTheBody() {
    byte[] body = "no parts here".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> WebhookFile.read(Optional.of("multipart/form-data; boundary=b"), body))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("Body is not valid multipart/form-data (boundary 'b'): ")
        .hasMessageNotContaining("null");
  }
}
