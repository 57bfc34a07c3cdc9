namespace Returns.Grader.Web.Infrastructure;

/// <summary>Problem responses (RFC 7807) that several features give.</summary>
public static class ApiProblems
{
    public static IResult ItemNotFound(Guid id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such return item", detail: $"There is no return item {id}.");

    /// <summary>400 validation problem for one field, its reason in <c>errors</c> and in the detail.</summary>
    public static IResult InvalidField(string field, string reason) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, title: "The request is not valid", detail: $"{field}: {reason}");
}
