package dev.stockade.internal.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What to start.
 *
 * @param program the resolved path of the program ({@code arguments[0]} is passed as given)
 * @param arguments the program's arguments, its name first
 * @param environment the whole environment of the new process
 * @param directory the working directory, or null for the JVM's
 * @param newSession whether the process starts a session (and process group) of its own
 * @param captureOutput whether stdout and stderr are piped back, or discarded
 * @param pipeInput whether stdin is a pipe from the parent, or {@code /dev/null}
 */
public record LaunchSpec(
    Path program,
    List<String> arguments,
    Map<String, String> environment,
    Path directory,
    boolean newSession,
    boolean captureOutput,
    boolean pipeInput) {}
