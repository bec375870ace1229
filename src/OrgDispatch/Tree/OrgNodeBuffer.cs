namespace OrgDispatch.Tree;

// One growing list per thread that the parsers build every node list in, as a stack: a list starts
// at Mark(), nested lists are built and taken above it, and Take() copies the top into an exact
// array. The tree then holds no half-empty lists and parsing leaves no growth garbage.
internal static class OrgNodeBuffer
{
    [ThreadStatic]
    private static List<OrgNode>? s_nodes;

    private static List<OrgNode> Nodes => s_nodes ??= new List<OrgNode>(256);

    public static int Mark() => Nodes.Count;

    public static void Add(OrgNode node) => Nodes.Add(node);

    // Drops what a parse that failed left above its mark, so the buffer keeps no tree alive.
    public static void Truncate(int mark)
    {
        List<OrgNode> nodes = Nodes;
        if (nodes.Count > mark) nodes.RemoveRange(mark, nodes.Count - mark);
    }

    public static OrgNode[] Take(int mark)
    {
        List<OrgNode> nodes = Nodes;
        int count = nodes.Count - mark;
        if (count == 0) return [];
        OrgNode[] taken = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(nodes).Slice(mark, count).ToArray();
        nodes.RemoveRange(mark, count);
        return taken;
    }
}
