from django.shortcuts import render

from directory.models import Contact, District, PostalCode, State


def home(request):
    return render(request, "directory/home.html", {"states": State.objects.order_by("name")})


def about(request):
    counts = {
        "states": State.objects.count(),
        "districts": District.objects.count(),
        "postcodes": PostalCode.objects.count(),
        "contacts": Contact.objects.filter(active=True).count(),
    }
    return render(request, "directory/about.html", {"counts": counts})
