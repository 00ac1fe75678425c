package dev.stockade.internal.protocol;

/** Constants of the frame layout shared by the reader and the writer. */
final class Wire {
  static final int MAGIC_0 = 0x53; // 'S'
  static final int MAGIC_1 = 0x4B; // 'K'
  static final int HEADER_BYTES = 16;

  private Wire() {}
}
