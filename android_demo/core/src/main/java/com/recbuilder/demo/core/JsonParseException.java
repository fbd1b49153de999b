package com.recbuilder.demo.core;

/** Malformed JSON, with the position of the first problem. */
public final class JsonParseException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int offset;
  private final int line;
  private final int column;

  JsonParseException(String message, int offset, int line, int column) {
    super(message + " at line " + line + ", column " + column);
    this.offset = offset;
    this.line = line;
    this.column = column;
  }

  /** Zero-based character offset of the problem. */
  public int offset() {
    return offset;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
