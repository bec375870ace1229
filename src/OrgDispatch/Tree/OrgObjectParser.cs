namespace OrgDispatch.Tree;

internal static class OrgObjectParser
{
    public enum Restriction : byte { Standard, Title, Tag, Cell }

    public static Restriction RestrictionFor(OrgNodeType type) => type switch
    {
        OrgNodeType.Headline => Restriction.Title,
        OrgNodeType.Item => Restriction.Tag,
        OrgNodeType.TableCell => Restriction.Cell,
        _ => Restriction.Standard,
    };

    public static List<OrgNode> Parse(OrgTree tree, int begin, int end, Restriction restriction)
    {
        var list = new List<OrgNode>();
        if (end > begin) list.Add(new OrgNode(tree, OrgNodeType.PlainText, begin, end));
        return list;
    }
}
