package ai.peft4j.io.hub;

/**
 * The commit an upload made.
 *
 * <pre>{@code
 * CommitInfo c = hub.pushToHub("me/my-adapter", Path.of("my-adapter"), "Upload adapter", false);
 * System.out.println(c.commitUrl());
 * }</pre>
 *
 * @param commitOid the new commit's hash
 * @param commitUrl where to see it on the Hub
 */
public record CommitInfo(String commitOid, String commitUrl) {}
