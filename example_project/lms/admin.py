from django.contrib import admin

from lms.models import Course, CourseTeacher, Enrollment, UserProfile


class CourseTeacherInline(admin.TabularInline):
    model = CourseTeacher
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "booking_type", "requires_booking_approval"]
    list_filter = ["booking_type"]
    inlines = [CourseTeacherInline]


admin.site.register(Enrollment)


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "timezone", "is_demo"]
    list_select_related = ["user"]
