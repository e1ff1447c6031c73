package grapple.bot.room;

/** A file from the homeserver's media repository: its bytes, content type and file name. */
public record Media(byte[] bytes, String contentType, String fileName) {}
