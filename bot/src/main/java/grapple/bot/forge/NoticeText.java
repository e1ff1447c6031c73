package grapple.bot.forge;

import grapple.bot.room.Messages;

/**
 * What the forges' notice builders ({@link Notice}, GitLab's own) write alike: the Markdown {@code
 * body} and, beside it, the HTML of the line so far and of the blocks before it, each value
 * escaped, and the pills of the linked people it names. {@code T} is the builder itself, which each
 * method returns.
 */
public abstract class NoticeText<T extends NoticeText<T>> {
  /** The linked people named so far, shown as pills. */
  protected final Pills pills;

  /** The Markdown source. */
  protected final StringBuilder body = new StringBuilder();

  /** The HTML of the line (paragraph) not ended yet. */
  protected final StringBuilder line = new StringBuilder();

  /** The HTML of the ended lines and blocks. */
  protected final StringBuilder blocks = new StringBuilder();

  /** {@code mentions}: the Matrix user who linked a forge login, if any. */
  protected NoticeText(Mentions mentions) {
    this.pills = new Pills(mentions);
  }

  /** This builder, as its own type. */
  protected abstract T self();

  /** Words, shown as they are (HTML-escaped). */
  public T text(String text) {
    body.append(text);
    line.append(Messages.escapeHtml(text));
    return self();
  }

  /** Bold words that name no person (a workflow): {@code **text**}. */
  public T bold(String text) {
    body.append("**").append(text).append("**");
    line.append("<strong>").append(Messages.escapeHtml(text)).append("</strong>");
    return self();
  }

  /** {@code [label](url)}; in HTML a link only to an http(s) address, else just the label. */
  public T link(String label, String url) {
    body.append('[').append(label).append("](").append(url).append(')');
    line.append(Notice.anchor(url, Messages.escapeHtml(label)));
    return self();
  }

  /** {@code `text`}; a code span in HTML. */
  public T code(String text) {
    body.append('`').append(text).append('`');
    line.append("<code>").append(Messages.escapeHtml(text)).append("</code>");
    return self();
  }

  /**
   * Ends the line so far (a paragraph in HTML) and adds a block: {@code bodyText} to the body,
   * {@code html} (which the caller made safe) to {@code formatted_body}.
   */
  public T block(String bodyText, String html) {
    body.append(bodyText);
    if (line.length() > 0) blocks.append("<p>").append(line).append("</p>\n");
    line.setLength(0);
    blocks.append(html);
    return self();
  }
}
