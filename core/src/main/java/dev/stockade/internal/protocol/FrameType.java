package dev.stockade.internal.protocol;

/** The frame types of protocol version 2 (see {@code docs/protocol.md}), with their codes. */
public enum FrameType {
  HELLO(0x01, Direction.FROM_WORKER),
  TASK(0x02, Direction.TO_WORKER),
  RESULT(0x03, Direction.FROM_WORKER),
  ERROR(0x04, Direction.FROM_WORKER),
  HEARTBEAT(0x05, Direction.FROM_WORKER),
  PROGRESS(0x06, Direction.FROM_WORKER),
  PING(0x07, Direction.TO_WORKER),
  PONG(0x08, Direction.FROM_WORKER),
  CANCEL(0x09, Direction.TO_WORKER),
  SHUTDOWN(0x0A, Direction.TO_WORKER),
  BATCH(0x0B, Direction.TO_WORKER),
  BATCH_RESULT(0x0C, Direction.FROM_WORKER);

  /** Who sends a frame of a type. */
  public enum Direction {
    TO_WORKER,
    FROM_WORKER
  }

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType type : values()) {
      BY_CODE[type.code] = type;
    }
  }

  private final int code;
  private final Direction direction;

  FrameType(int code, Direction direction) {
    this.code = code;
    this.direction = direction;
  }

  public int code() {
    return code;
  }

  public Direction direction() {
    return direction;
  }

  /** The type with {@code code}, or null if version 2 has none. */
  public static FrameType ofCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
