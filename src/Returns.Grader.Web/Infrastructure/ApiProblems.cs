namespace Returns.Grader.Web.Infrastructure;

/// <summary>Problem responses (RFC 7807) that several features give.</summary>
public static class ApiProblems
{
    public static IResult ItemNotFound(Guid id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such return item", detail: $"There is no return item {id}.");

    public static IResult Conflict(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Changed by someone else", detail: detail);
}
